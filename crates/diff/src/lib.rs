//! diff engine
