"""Training the plate reader's two models on synthetic plates, apart from the reader that runs them: `glyph_data`
and `line_data` render the plates (Pillow and the Debian font packages the Makefile installs), `glyph_train` fits
the glyph classifier (numpy) and writes plates/glyph_model.npz, `line_train` with `line_torch` fits the line
recogniser (torch and onnx, the `train` extra, in a separate environment) and writes plates/line_model.onnx.

Nothing in `plates`, `lane` or `devices` imports this package (tests/plates/test_training_apart.py checks the
reader): it is used from a source checkout, by `python -m plates_training.glyph_train` and
`python -m plates_training.line_train`, by the tests that render synthetic plates and by benchmarks/plates.py."""
