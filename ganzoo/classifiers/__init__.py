"""Classifiers that ganzoo ships for scoring GANs offline (see `ganzoo.metrics`).

``python -m ganzoo.classifiers.fashion_mnist`` trains and exports
``saved_models/fashion_mnist_classifier``, the Fashion-MNIST analogue of
TF-GAN's MNIST classifier. ``python -m ganzoo.classifiers.dead_units``
measures, layer by layer, the units that are 0 on every real test image, the
reason its "pool_3" features are taken before the dense layer's ReLU.
"""
