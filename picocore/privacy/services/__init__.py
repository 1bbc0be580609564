"""The services of personal data: exports, erasure and legal holds."""
