"""Client commands' logic, without a command line: ingesting folders into a dataset and
reading a deployment's status, over HTTP (:mod:`ragloom.client.http_target`) or on a data
directory (:mod:`ragloom.client.local_target`); see :mod:`ragloom.client.target`.

The package imports none of its modules: ``ragloom serve`` loads the command line that holds
these commands, and should not load an HTTP client for them."""
