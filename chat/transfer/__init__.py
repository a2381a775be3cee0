"""Taking a chat out and bringing one in: `python -m chat export`, `import` and
`import-from-twilio` (docs/export.md)."""
