"""Training the plate reader's models, apart from the reader that runs them: `ppocr_base` and `ppocr_tune` fine-tune
PaddleOCR's PP-OCRv6 text-line recogniser on plates (`ppocr_data`: the split's train part, a lane's export,
synthetic plates and images that are no plate) and write plates/plate_rec.onnx, the recogniser the reader ships
(torch, onnx and onnx2torch: the `train` extra, in a separate environment); `split` makes the train / tune /
validation split of the shared real sets and `calibrate` fits the confidence on the tune part. The earlier
ensemble's models, kept as the reader's fallback: `glyph_data` and `line_data` render synthetic plates (Pillow and
the Debian font packages the Makefile installs), `glyph_train` fits the glyph classifier (numpy,
plates/glyph_model.npz), `line_train` with `line_torch` and `real_train` the line recogniser (plates/line_model.onnx).

Nothing in `plates`, `lane` or `devices` imports this package (tests/plates/test_training_apart.py checks the
reader): it is used from a source checkout, by `python -m plates_training.<module>`, by the tests that render
synthetic plates and by benchmarks/plates.py."""
