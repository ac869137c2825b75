"""Learning needs surveys: a ULR or convenor makes a survey for one or more workplaces from the question set,
opens it, puts up its poster (a short link and a QR code), and reads the results; staff answer on a phone
without signing in, anonymously unless they ask to be contacted."""
