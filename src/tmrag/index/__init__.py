"""Index files: dense (FAISS), lexical (BM25) and the store that writes, verifies and
switches builds atomically."""
