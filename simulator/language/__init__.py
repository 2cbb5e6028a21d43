"""The scenario language: reading YAML files (with `extends` and `patch`) into the frozen
`Scenario`, checking every field with its file, line and path, the distributions, the outcome
metrics a contract can pay for, and the readable account `simulator validate` prints.

Nothing here imports the engine, the money or the outputs: everything else imports this.
"""
