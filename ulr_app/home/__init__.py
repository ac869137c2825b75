"""Each role's home page (what needs doing first, the organiser's schools coverage headline) and the
public health check. Reads the domains below it; changes nothing."""
