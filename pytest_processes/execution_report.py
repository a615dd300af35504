"""processes' import path ``execution_report``: the record of a run."""

from .model.execution_report import ProcessExecutionReport, TaskReportEntry

__all__ = ["ProcessExecutionReport", "TaskReportEntry"]
