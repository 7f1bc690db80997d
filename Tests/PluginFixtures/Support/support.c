/* Header-only support for the broken plugin fixtures. */
