from behest.testing.mock_anthropic import main

main()
