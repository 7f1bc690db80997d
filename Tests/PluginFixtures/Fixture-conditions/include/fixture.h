/* Fixture: an ABI 1.1 reward that reads text embeddings and cameras (see fixture.c). */
