"""The running application: watchers, pipeline, scheduler, notifiers, threads."""
