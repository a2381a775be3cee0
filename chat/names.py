"""Readable random identities for browsers that arrive without one (as the quickstart's names were)."""

import secrets

ADJECTIVES = (
    "Amber Brave Calm Clever Cosmic Dapper Eager Fuzzy Gentle Golden Happy Jolly Keen Lively Lucky "
    "Mellow Nimble Quiet Rapid Rusty Shiny Silent Snowy Sunny Swift Tidy Witty Zesty"
).split()
ANIMALS = (
    "Badger Beaver Bison Falcon Ferret Gecko Heron Koala Lemur Lynx Marmot Moose Narwhal Otter Panda "
    "Pelican Puffin Quokka Raven Salmon Seal Sloth Tapir Toucan Walrus Wombat Yak Zebra"
).split()


def random_identity() -> str:
    """A readable name with enough randomness (42 bits) that two browsers never share it: an
    identity is who someone is, unlike a display name."""
    return f"{secrets.choice(ADJECTIVES)}{secrets.choice(ANIMALS)}{secrets.token_hex(4)}"
