"""Classifiers that ganzoo ships for scoring GANs offline (see `ganzoo.metrics`).

``python -m ganzoo.classifiers.fashion_mnist`` trains and exports
``saved_models/fashion_mnist_classifier``, the Fashion-MNIST analogue of
TF-GAN's MNIST classifier.
"""
