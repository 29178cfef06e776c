"""Plugins' background tasks on taskiq: in the bot's process by default, on a Redis broker with workers.

- ``TaskContext``: what a plugin's task receives (the database, Discord's REST API, guild settings).
- ``every``: marks a plugin task to run periodically (and once when the runner starts).
- ``Tasks``: what commands and listeners declare (``tasks: Tasks``) to run a plugin's task now or later.
- ``TaskRunner``: registers every plugin's tasks on a taskiq broker; ``embedded`` runs them in the bot's
  process (``InMemoryBroker``, timers), ``redis`` sends them to ``tatiana worker`` processes through Redis, with
  a Redis schedule source for the ones asked for later.
"""

from tatiana.background.context import TaskContext, Tasks, every
from tatiana.background.runner import TaskRunner

__all__ = ["TaskContext", "TaskRunner", "Tasks", "every"]
