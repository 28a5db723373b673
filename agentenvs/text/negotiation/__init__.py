"""Negotiation ("Deal or No Deal", Lewis et al. 2017): two agents split a pool of items they value privately."""
