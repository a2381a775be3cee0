"""Domain operations shared by REST, the WebSocket and the CLI: validate, authorise, write one
transaction (rows + event rows), publish after commit."""
