"""Reports people read: `gapwatch report …`."""
