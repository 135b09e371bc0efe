def reward(s, a, prev_a):
    """A docstring is fine; so are comments, tuple unpacking, augmented assignment and pass."""
    vx, vy = s.base_lin_vel[0], s.base_lin_vel[1]
    total = jnp.exp(-jnp.square(vx - 0.5) / 0.25)
    total += 0.1 * jnp.exp(-jnp.square(vy) / 0.1)
    total *= jnp.clip(s.upright, 0.0, 1.0)
    pass
    return total, {"tracking": total}
