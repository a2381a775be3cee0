"""twilio-python, unchanged, pointed at the live test server: only its base URLs are rewritten
(the recipe in Twilio Chat's wire reference)."""

from twilio.http.http_client import TwilioHttpClient


class LocalChatHttpClient(TwilioHttpClient):
    HOSTS = ("https://chat.twilio.com", "https://ip-messaging.twilio.com")

    def __init__(self, local_base: str):
        super().__init__()
        self.local_base = local_base

    def request(
        self, method, url, params=None, data=None, headers=None, auth=None, timeout=None, allow_redirects=False
    ):
        for host in self.HOSTS:
            if url.startswith(host):
                url = self.local_base + url[len(host) :]
        return super().request(
            method,
            url,
            params=params,
            data=data,
            headers=headers,
            auth=auth,
            timeout=timeout,
            allow_redirects=allow_redirects,
        )


def service(client, server, legacy=False):
    domain = client.ip_messaging if legacy else client.chat
    return domain.v2.services(server.settings.service_sid)
