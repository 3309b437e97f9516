from nhi_common.migrations_env import run

run()
