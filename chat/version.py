"""The release this code is, shown by the console."""

VERSION = "1.1.0"
