# expect: line 3: comprehensions are not allowed
def reward(s, a, prev_a):
    x = jnp.array([v * 2.0 for v in range(4)])
    return 1.0, {"x": 1.0}
