fn main() {} // STUB
