"""The WebSocket transport: `/ws` (endpoint.py), each socket's frames and closing
(connection.py), what the frames mean (session.py, commands.py), one thread that watches every
socket (reactor.py), non-blocking writes (outbound.py) and the command pool (pool.py)."""
