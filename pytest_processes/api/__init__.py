"""The library API for graphs built in code: ``Task``, ``Process``, ``@task``, families."""
