"""What setup.cfg cannot say: the zoo's models ship inside the package.

``saved_models/`` stays their home in the repository; the wheel and the sdist
carry it as ``ganzoo/saved_models/``, where `ganzoo.registry` finds it in an
installed ganzoo (a clone or an editable install reads ``saved_models/``).
"""

from setuptools import find_packages, setup

# Depths of the files of a model directory: card and samples.png, generator/
# or the classifier's variables/, generator/variables/.
MODEL_FILES = ["*/*", "*/*/*", "*/*/*/*"]

setup(
    packages=find_packages(include=["ganzoo", "ganzoo.*"]) + ["ganzoo.saved_models"],
    package_dir={"ganzoo.saved_models": "saved_models"},
    package_data={"ganzoo": ["py.typed", "registry.json"], "ganzoo.saved_models": MODEL_FILES},
)
