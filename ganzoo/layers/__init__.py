"""Keras layers from the GAN literature."""
