from behest.testing.mock_gemini import main

main()
