# expect: line 3: each returned value must be a call of `at_least(...)`, `at_most(...)`, `between(...)`
def judge(t):
    return {"x": jnp.mean(t.base_height)}
