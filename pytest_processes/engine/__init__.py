"""The engine: graph compilation, the ready-queue scheduler and executors. Never imports pytest."""
