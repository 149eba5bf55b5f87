mod log_group;
