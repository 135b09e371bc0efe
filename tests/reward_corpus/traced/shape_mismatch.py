# expect: line 3: TypeError while tracing: add got incompatible shapes for broadcasting: (12,), (4,)
def reward(s, a, prev_a):
    x = s.joint_pos + s.foot_contact
    return jnp.sum(x), {"x": jnp.sum(x)}
