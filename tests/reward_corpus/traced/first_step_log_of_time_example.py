# expect: for example in an episode's first step, where s.time=0. Guard divisions, logs and square roots
def reward(s, a, prev_a):
    age = jnp.log(s.time)
    return age, {"age": age}
