"""One error type for every layer: REST renders it as Twilio's error JSON, the WebSocket as an error frame."""

MORE_INFO = "https://www.twilio.com/docs/errors/{code}"


class ChatError(Exception):
    def __init__(self, status: int, code: int, message: str):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "message": self.message,
            "more_info": MORE_INFO.format(code=self.code),
            "status": self.status,
        }


def bad_request(message: str, code: int = 20001) -> ChatError:
    return ChatError(400, code, message)


def not_found(message: str, code: int = 20404) -> ChatError:
    return ChatError(404, code, message)


def forbidden(message: str, code: int = 20403) -> ChatError:
    return ChatError(403, code, message)


def conflict(message: str, code: int) -> ChatError:
    return ChatError(409, code, message)


INVALID_TOKEN = 20101
EXPIRED_TOKEN = 20104
TOKEN_TOO_LONG = 20157
AUTHENTICATE = 20003
