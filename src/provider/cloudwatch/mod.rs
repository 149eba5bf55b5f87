mod alarm;
mod dashboard;
