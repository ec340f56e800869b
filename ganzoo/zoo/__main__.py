"""``python -m ganzoo.zoo``: the table of the shipped zoo, each model verified
against the registry inside the package."""

from ganzoo import registry, trust
from ganzoo.zoo import GAN_FILE


def table():
    """Rows of the shipped zoo: name, kind, variant, dataset, scores, MB, verified."""
    rows = []
    for name in registry.names("generator") + registry.names("classifier"):
        try:
            card, verified = registry.verify_shipped(name), "yes"
        except (trust.IntegrityError, OSError) as e:
            card, verified = {}, f"NO: {e}"
        m = card.get("evaluation", {}).get("metrics", {})
        if "inception_score" in m:
            scores = f"IS {m['inception_score']:.2f}, FID {m['fid']:.1f}"
        elif "modes" in m:
            scores = f"{m['modes']} modes, {m['high_quality']:.1f} % HQ"
        elif "test_accuracy" in card:
            scores = f"accuracy {card['test_accuracy']:.4f}"
        else:
            scores = "—"
        has_gan = "G+D" if GAN_FILE in registry.load_registry()[name]["files"] else "G"
        kind = registry.load_registry()[name]["kind"]
        rows.append((name, has_gan if kind == "generator" else kind, card.get("variant", "—"),
                     card.get("dataset", "fashion_mnist" if kind == "classifier" else "—"),
                     scores, f"{registry.size_bytes(name) / 1e6:.1f}", verified))
    return rows


def main():
    header = ("name", "ships", "variant", "dataset", "scores", "MB", "verified")
    rows = [header, *table()]
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(header))]
    for row in rows:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip())


if __name__ == "__main__":
    main()
