"""The checks across a fleet: hosts from an Ansible inventory, probed over SSH, judged on the controller."""
