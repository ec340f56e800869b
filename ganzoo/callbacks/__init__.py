"""Keras callbacks: everything that reports during training writes into `logs`."""
