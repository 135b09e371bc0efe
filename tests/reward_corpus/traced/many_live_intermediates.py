# expect: the code keeps 125.4 KiB of values alive at once per state (estimated from the traced program); the limit is 32 KiB
def reward(s, a, prev_a):
    x0 = jnp.array([s.time] * 4000)
    x1 = jnp.sin(x0)
    x2 = jnp.cos(x0)
    x3 = jnp.tanh(x0)
    x4 = jnp.exp(-x0)
    x5 = jnp.square(x0)
    x6 = x1 * x2
    x7 = x3 * x4
    total = jnp.mean(x0) + jnp.mean(x1) + jnp.mean(x2) + jnp.mean(x3) + jnp.mean(x4) \
        + jnp.mean(x5) + jnp.mean(x6) + jnp.mean(x7)
    return total, {"x": total}
