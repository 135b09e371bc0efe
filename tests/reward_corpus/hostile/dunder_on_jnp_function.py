# expect: line 3: names that start with `_` are not allowed (`.__globals__`)
def reward(s, a, prev_a):
    g = jnp.exp.__globals__
    return 1.0, {"x": 1.0}
