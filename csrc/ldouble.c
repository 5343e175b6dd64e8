/* placeholder; written by the num helper */
