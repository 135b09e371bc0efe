# expect: line 3: `jnp` can only be used as `jnp.<function>(...)`
def reward(s, a, prev_a):
    np = jnp
    return 1.0, {"x": 1.0}
