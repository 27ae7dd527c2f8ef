//! Configuration files as users have them (placeholder; being written).
