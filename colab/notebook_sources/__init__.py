"""The cells of each Colab tutorial, one module per notebook (see build_notebooks.py)."""
