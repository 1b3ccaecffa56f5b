"""Pure text -> typed records. Parsers never run commands and never read files."""
