"""Data contracts, loaders, validation with quarantine, cleaning, segmentation, feature building
and the feature store.
"""
