"""Notifications: routing rules, contact points, the delivery outbox, channels and the inbox."""
