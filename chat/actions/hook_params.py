"""Twilio's webhook parameters (PascalCase, as Twilio posts them) for each kind of resource.
Webhook dates keep milliseconds (`2022-01-18T10:33:50.399Z`), unlike REST: the stored form."""


def message(row: dict, media: dict | None = None) -> dict:
    params = {
        "MessageSid": row["sid"],
        "Index": row["idx"],
        "ChannelSid": row["channel_sid"],
        "Body": row["body"],
        "Attributes": row["attributes"],
        "From": row["author"],
        "DateCreated": row["date_created"],
    }
    if media:
        params.update(
            MediaSid=media["sid"],
            MediaFilename=media["filename"],
            MediaContentType=media["content_type"],
            MediaSize=media["size"],
        )
    return params


def channel(row: dict) -> dict:
    return {
        "ChannelSid": row["sid"],
        "ChannelType": row["type"],
        "UniqueName": row["unique_name"],
        "FriendlyName": row["friendly_name"],
        "Attributes": row["attributes"],
        "CreatedBy": row["created_by"],
        "DateCreated": row["date_created"],
    }


def member(row: dict) -> dict:
    return {
        "MemberSid": row["sid"],
        "ChannelSid": row["channel_sid"],
        "Identity": row["identity"],
        "RoleSid": row["role_sid"],
        "LastConsumedMessageIndex": row["last_consumed_message_index"],
        "LastConsumptionTimestamp": row["last_consumption_timestamp"],
        "DateCreated": row["date_created"],
    }


def user(row: dict) -> dict:
    return {
        "UserSid": row["sid"],
        "Identity": row["identity"],
        "FriendlyName": row["friendly_name"],
        "RoleSid": row["role_sid"],
        "Attributes": row["attributes"],
        "DateCreated": row["date_created"],
        "DateUpdated": row["date_updated"],
    }


def pick(changed: dict, params: dict, mapping: dict) -> dict:
    """Apply a pre-event hook's answer: for each hook key in `mapping` that the hook changed,
    set the action's own argument name to the new value."""
    updates = {}
    for hook_key, argument in mapping.items():
        if hook_key in changed and changed[hook_key] != params.get(hook_key):
            updates[argument] = changed[hook_key]
    return updates
