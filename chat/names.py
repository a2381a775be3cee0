"""Readable random usernames for visitors who do not choose one (as the quickstart did)."""

import secrets

ADJECTIVES = (
    "Amber Brave Calm Clever Cosmic Dapper Eager Fuzzy Gentle Golden Happy Jolly Keen Lively Lucky "
    "Mellow Nimble Quiet Rapid Rusty Shiny Silent Snowy Sunny Swift Tidy Witty Zesty"
).split()
ANIMALS = (
    "Badger Beaver Bison Falcon Ferret Gecko Heron Koala Lemur Lynx Marmot Moose Narwhal Otter Panda "
    "Pelican Puffin Quokka Raven Salmon Seal Sloth Tapir Toucan Walrus Wombat Yak Zebra"
).split()


def random_name() -> str:
    return f"{secrets.choice(ADJECTIVES)}{secrets.choice(ANIMALS)}{secrets.randbelow(100):02d}"
