mod role;
