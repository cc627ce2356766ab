"""Analysis of cyberdeter HDF5 output: effects, sensitivity, scenario discovery and reports."""
