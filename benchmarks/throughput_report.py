"""The tables and target verdicts of `train_throughput.py`: paired
ratios (the median over rounds of the ratio measured in the same round)
of its timed runs."""

from throughput_options import cost_table

PRECISIONS = ("fp32", "bf16")


def _measured(by_key, kind, name):
    """The precisions in which ``kind`` timed ``name``."""
    return [p for p in PRECISIONS if (kind, name, p) in by_key]


def _median(values):
    import numpy as np

    return float(np.median(values))


def _paired(a, b, cpu=False):
    """Median over rounds of a[i] / b[i] (img/s, or img per CPU-second)."""
    if cpu:
        return _median([x / y for x, y in zip(a.img_cpu_s, b.img_cpu_s)])
    return _median([x / y for x, y in zip(a.img_s, b.img_s)])


def table(runs, names):
    by_key = {run.key: run for run in runs}
    lines = [
        "| variant | precision | ganzoo img/s | plain img/s | ganzoo/plain | ganzoo/plain (CPU time) "
        "| bf16/fp32 | bf16/fp32 (CPU time) |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    summary = {}
    for name in names:
        for precision in _measured(by_key, "ganzoo", name):
            ours, plain = by_key[("ganzoo", name, precision)], by_key[("plain", name, precision)]
            ratio, cpu_ratio = _paired(ours, plain), _paired(ours, plain, cpu=True)
            summary[f"{name}/{precision}/ganzoo_over_plain"] = [ratio, cpu_ratio]
            cells = [name, precision, f"{_median(ours.img_s):.0f}", f"{_median(plain.img_s):.0f}",
                     f"{ratio:.3f}", f"{cpu_ratio:.3f}"]
            if precision == "bf16" and ("ganzoo", name, "fp32") in by_key:
                fp32 = by_key[("ganzoo", name, "fp32")]
                speedup, cpu_speedup = _paired(ours, fp32), _paired(ours, fp32, cpu=True)
                summary[f"{name}/bf16_over_fp32"] = [speedup, cpu_speedup]
                cells += [f"{speedup:.2f}", f"{cpu_speedup:.2f}"]
            lines.append("| " + " | ".join(cells + [""] * (8 - len(cells))) + " |")
    if _measured(by_key, "torch", "vanilla"):
        lines += [
            "",
            "| VanillaGAN | precision | ganzoo img/s | plain img/s | PyTorch img/s | ganzoo/PyTorch "
            "| ganzoo/PyTorch (CPU time) | plain/PyTorch | PyTorch bf16/fp32 |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
    for precision in _measured(by_key, "torch", "vanilla"):
        ours, plain, peer = (by_key[(kind, "vanilla", precision)] for kind in ("ganzoo", "plain", "torch"))
        ratio, cpu_ratio = _paired(ours, peer), _paired(ours, peer, cpu=True)
        summary[f"vanilla/{precision}/ganzoo_over_torch"] = [ratio, cpu_ratio]
        fp32 = by_key.get(("torch", "vanilla", "fp32"))
        speedup = f"{_paired(peer, fp32):.2f}" if precision == "bf16" and fp32 else ""
        lines.append(
            f"| `fit` / `tf.function` / torch | {precision} | {_median(ours.img_s):.0f} | {_median(plain.img_s):.0f} "
            f"| {_median(peer.img_s):.0f} | {ratio:.3f} | {cpu_ratio:.3f} | {_paired(plain, peer):.3f} | {speedup} |"
        )
    if _measured(by_key, "pipeline", "vanilla"):
        lines += [
            "",
            "| VanillaGAN `fit` on | precision | pipeline img/s | in-memory img/s "
            "| pipeline/in-memory | pipeline/in-memory (CPU time) |",
            "|---|---|---:|---:|---:|---:|",
        ]
    for precision in _measured(by_key, "pipeline", "vanilla"):
        pipe, mem = by_key[("pipeline", "vanilla", precision)], by_key[("in_memory", "vanilla", precision)]
        ratio, cpu_ratio = _paired(pipe, mem), _paired(pipe, mem, cpu=True)
        summary[f"pipeline_over_in_memory/{precision}"] = [ratio, cpu_ratio]
        lines.append(
            f"| `ganzoo.data.load(\"fashion_mnist\")` vs an in-memory tensor | {precision} "
            f"| {_median(pipe.img_s):.0f} | {_median(mem.img_s):.0f} | {ratio:.3f} | {cpu_ratio:.3f} |"
        )
    costs = cost_table(by_key, names, _measured(by_key, "ganzoo", "vanilla"), _median, _paired)
    return "\n".join(lines + (["", costs] if costs else [])), summary


def verdict(summary):
    """One line per target: how many of its ratios meet it, by each clock."""
    targets = (
        ("ganzoo/plain ≥ 0.97", "ganzoo_over_plain", 0.97),
        ("bf16/fp32 ≥ 1.2", "bf16_over_fp32", 1.2),
        ("pipeline/in-memory ≥ 0.97", "pipeline_over_in_memory", 0.97),
        ("ganzoo/PyTorch ≥ 1.15 in fp32", "fp32/ganzoo_over_torch", 1.15),
        ("ganzoo/PyTorch ≥ 1.0 in bf16", "bf16/ganzoo_over_torch", 1.0),
    )
    lines = []
    for label, tag, threshold in targets:
        pairs = [(key, v) for key, v in summary.items() if tag in key]
        if not pairs:
            continue
        wall = sum(v[0] >= threshold for _, v in pairs)
        cpu = sum(v[1] >= threshold for _, v in pairs)
        worst = min(pairs, key=lambda kv: kv[1][1])
        lines.append(
            f"- {label}: met by {cpu}/{len(pairs)} in CPU time (lowest {worst[1][1]:.3f}, "
            f"{worst[0]}), by {wall}/{len(pairs)} in wall-clock time."
        )
    return "\n".join(lines)
